# ldfc-net-rt-g distilled from IAT on the training pairs alone (the ground truth and IAT's picture as
# targets, no new pictures): the ablation row between the twin and iat-ldfc-net-rt-g.
mode = "distill"
model = "ldfc-net-rt-g"
split = "scenes"
teacher = "iat"
unlabelled = 0
steps = 10000
batch = 2
patch = 256
w_bright = 0.0
w_colour = 0.5
w_texture = 0.5
w_output = 0.5
