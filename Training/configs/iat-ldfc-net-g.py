# ldfc-net-g (the quality student) distilled from IAT with its unlabelled pictures, as
# iat-ldfc-net-rt-g.py; 7000 steps like its twin student-ldfc-net-g-s, and the brightness term
# (IAT's brightening read as a quarter-scale illumination against the student's L).
mode = "distill"
model = "ldfc-net-g"
split = "scenes"
teacher = "iat"
unlabelled = 800
labelled_share = 0.5
steps = 7000
batch = 2
patch = 256
w_bright = 0.5
w_colour = 0.5
w_texture = 0.5
w_output = 0.5
