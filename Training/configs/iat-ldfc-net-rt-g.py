# ldfc-net-rt-g distilled from IAT (the released LOL-v1 weights, iat.py): the ground truth and IAT's
# picture as targets on the training pairs, and 800 new night pictures made from them
# (data.unlabelled_inputs) that IAT alone labels, drawn about as often as the pairs.
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
