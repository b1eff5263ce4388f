# iat-ldfc-net-g.py with seed 2 (other crops, flips, draws and initial weights): its seed spread.
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
seed = 2
