# iat-ldfc-net-rt-g.py with seed 2 (other crops, flips, draws and initial weights): its seed spread.
mode = "distill"
model = "ldfc-net-rt-g"
split = "scenes"
teacher = "iat"
unlabelled = 800
labelled_share = 0.5
steps = 10000
batch = 2
patch = 256
w_bright = 0.0
w_colour = 0.5
w_texture = 0.5
w_output = 0.5
seed = 2
