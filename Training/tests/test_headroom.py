import numpy as np
import pytest

import headroom
import iqa


def picture_pair(seed=0, gain=0.6, noise=6.0, size=48):
    """A ground truth b and an output a that is b darkened by `gain`, with content noise."""
    rng = np.random.default_rng(seed)
    b = np.floor(rng.uniform(40, 200, (size, size, 3)))
    a = np.clip(np.floor(b * gain + rng.normal(0, noise, b.shape) + 0.5), 0, 255)
    return a, b


def test_rebuild_at_one_one_is_the_output_and_at_zero_zero_the_ground_truth():
    a, b = picture_pair()
    k, s = headroom.parts(a, b)
    assert k == pytest.approx(headroom.luma(b) / headroom.luma(a))
    assert np.abs(headroom.rebuild(b, k, s, 1, 1) - a).max() <= 1  # a k never clips here: only rounding
    assert np.array_equal(headroom.rebuild(b, k, s, 0, 0), b)


def test_rebuild_with_exposure_removed_is_gt_mean_psnr():
    a, b = picture_pair(seed=1)
    k, s = headroom.parts(a, b)
    assert iqa.psnr(headroom.rebuild(b, k, s, 1, 0), b) == pytest.approx(iqa.psnr_gt_mean(a, b), abs=0.02)


def split_pictures(gains, noise):
    """(b, k, s) of one output per gain."""
    out = []
    for seed, gain in enumerate(gains):
        a, b = picture_pair(seed, gain, noise)
        out.append((b, *headroom.parts(a, b)))
    return out


def test_each_error_removed_raises_psnr_and_the_gain_is_found():
    pictures = split_pictures([0.9, 0.95, 1.08], noise=12.0)  # both errors of a similar size
    r = headroom.headroom(pictures, gain=0.8)
    assert r["perfect_content"] > r["rebuilt"] and r["gt_mean"] > r["rebuilt"]
    assert r["gt_mean_needed"] > r["gt_mean"]          # more than the content as it is
    assert r["exposure_rms_needed"] < r["exposure_rms"]  # less exposure error than now
    assert r["gt_mean_needed"] == pytest.approx(
        headroom.mean_psnr(pictures, headroom.solve(lambda x: headroom.mean_psnr(pictures, x, 1), r["rebuilt"] + 0.8), 0))
    # a small exposure error leaves too little to remove for the gain: out of reach that way
    small = headroom.headroom(split_pictures([0.95, 0.97, 1.05], noise=15.0), gain=0.8)
    assert small["exposure_rms_needed"] is None and small["gt_mean_needed"] is not None


def test_solve_finds_the_crossing_or_says_out_of_reach():
    assert headroom.solve(lambda x: 10 - 5 * x, 7.5) == pytest.approx(0.5, abs=1e-6)
    assert headroom.solve(lambda x: 10 - 5 * x, 11) is None


def test_ridge_recovers_a_linear_relation_and_at_exposure_hits_the_luma():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4)) * [1, 10, 0.1, 3] + 5
    y = X @ [0.5, -0.02, 3.0, 0.1] + 1.0
    predict = headroom.fit_ridge(X, y, lam=1e-9)
    assert np.abs(predict(X) - y).max() < 1e-6
    a, _ = picture_pair()
    assert headroom.luma(headroom.at_exposure(a, np.log(90.0))) == pytest.approx(90.0, abs=0.5)


def test_a_perfect_picture_scores_the_rounding_floor_not_infinity():
    _, b = picture_pair()
    assert headroom.capped_psnr(b, b) == pytest.approx(10 * np.log10(255.0 ** 2 * 12))
    assert headroom.capped_psnr(b + 2, b) == pytest.approx(iqa.psnr(b + 2, b))
