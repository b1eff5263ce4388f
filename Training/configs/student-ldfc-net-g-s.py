# The quality student with the whole-frame phase A (network ldfc-net-g: ldfc-net plus ldfc-net-rt-g's
# 1x1 conv of the quarter-scale features' whole-frame mean), no teacher, on the scene split: worth
# +2.1 dB to the real-time student there (student-ldfc-net-rt-g-s against student-ldfc-net-rt-s).
# ldfc-net's steps and rate; 256-pixel crops, batch 2, as ldfc-net-rt-g's runs.
mode = "student"
model = "ldfc-net-g"
split = "scenes"
steps = 7000
batch = 2
patch = 256
