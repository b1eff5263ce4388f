#!/usr/bin/env python3
"""Fill in the Kubernetes Job templates for a manifest written by `sckd plan`.

    python3 Cluster/kubernetes/render.py MANIFEST --output OUT --image IMAGE --claim PVC \
        [--mount /data] [--parallelism P] [--cpus 2] [--memory 3Gi] [--name NAME] [--join] [-- sckd enhance options]

MANIFEST and OUT are paths relative to the volume's root (the claim is mounted at --mount in every
pod). Prints the enhance Job (one pod per segment: an Indexed Job with as many completions as the
manifest has segments), or with --join the join Job, on stdout for `kubectl apply -f -`.
"""
import argparse
import json
import re
import string
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def render(template, manifest_path, manifest, args, enhance_args):
    fields = {
        "NAME": args.name or re.sub(r"[^a-z0-9-]+", "-", Path(manifest_path).name.lower().replace(".manifest.json", "")).strip("-")[:40] or "sckd",
        "MANIFEST_ID": manifest["id"],
        "SEGMENTS": str(len(manifest["segments"])),
        "PARALLELISM": str(min(args.parallelism or len(manifest["segments"]), len(manifest["segments"]))),
        "IMAGE": args.image,
        "CLAIM": args.claim,
        "MOUNT": args.mount.rstrip("/"),
        "MANIFEST": manifest_path.lstrip("/"),
        "OUTPUT": (args.output or "").lstrip("/"),
        "CPUS": str(args.cpus),
        "MEMORY": args.memory,
        "ENHANCE_ARGS": json.dumps(enhance_args),
    }
    text = (HERE / template).read_text()
    return string.Template(text).substitute(fields)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    enhance_args = []
    if "--" in argv:
        i = argv.index("--")
        argv, enhance_args = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("manifest", help="the manifest, as a path here (its path on the volume is --manifest-on-volume)")
    ap.add_argument("--manifest-on-volume", help="the manifest's path relative to the volume's root (default: as given)")
    ap.add_argument("--output", help="the joined video, relative to the volume's root (for --join)")
    ap.add_argument("--image", required=True, help="a container image with sckd on its PATH")
    ap.add_argument("--claim", required=True, help="the PersistentVolumeClaim holding the footage")
    ap.add_argument("--mount", default="/data")
    ap.add_argument("--parallelism", type=int, help="pods at once (default: all segments)")
    ap.add_argument("--cpus", default="2")
    ap.add_argument("--memory", default="3Gi")
    ap.add_argument("--name")
    ap.add_argument("--join", action="store_true", help="render the join Job instead")
    args = ap.parse_args(argv)
    try:
        with open(args.manifest) as f:
            manifest = json.load(f)
        assert manifest.get("format") == "sckd-segments"
    except (OSError, ValueError, AssertionError) as e:
        print(f"render.py: '{args.manifest}' is not an sckd manifest ({e or 'wrong format'})", file=sys.stderr)
        return 1
    if args.join and not args.output:
        print("render.py: --join needs --output", file=sys.stderr)
        return 2
    on_volume = args.manifest_on_volume or args.manifest
    template = "join-job.yaml" if args.join else "enhance-job.yaml"
    sys.stdout.write(render(template, on_volume, manifest, args, enhance_args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
