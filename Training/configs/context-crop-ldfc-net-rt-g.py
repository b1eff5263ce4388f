# Control for context-frame-ldfc-net-rt-g: the twin student-ldfc-net-rt-g-s trained 1500 steps more
# as it was trained (crops, whose whole-frame context is the crop's), at a fifth of its peak rate.
mode = 'student'
model = 'ldfc-net-rt-g'
split = 'scenes'
steps = 1500
batch = 2
patch = 256
lr = 2e-4
warmup = 50
init_from = 'student-ldfc-net-rt-g-s'
context = 'crop'
