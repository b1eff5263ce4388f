# The teacher continued on 256-pixel patches (batch 4): a 128 crop cannot show a 600x400
# picture's global brightness, and validation PSNR stalled while GT-mean PSNR was 3.5 dB higher.
mode = "teacher"
model = "teacher"
steps = 6000
batch = 4
patch = 256
lr = 2e-4
w_ssim = 0.5
w_prior = 0.1
w_selfcal = 0.05
eval_every = 250
