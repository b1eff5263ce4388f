# The twin student-ldfc-net-rt-g-s fine-tuned 1500 steps with its whole-frame context taken over the
# whole picture (train.frame_context_parts), as in use, rather than over the crop; against
# context-crop-ldfc-net-rt-g, the same steps with crops.
mode = 'student'
model = 'ldfc-net-rt-g'
split = 'scenes'
steps = 1500
batch = 2
patch = 256
lr = 2e-4
warmup = 50
init_from = 'student-ldfc-net-rt-g-s'
context = 'frame'
