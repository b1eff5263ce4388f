# The real-time student with a whole-frame view in phase A (network ldfc-net-rt-g: a 1x1 conv of
# the mean of its quarter-scale features, added before the illumination head), no teacher: the
# twin of configs/distill-ldfc-net-rt-g-t3x-nobright.py. Crops of 256 (batch 2: the pixels of a
# step are those of 8 crops of 128) so that the mean in training covers a quarter of a picture.
mode = "student"
model = "ldfc-net-rt-g"
steps = 10000
batch = 2
patch = 256
