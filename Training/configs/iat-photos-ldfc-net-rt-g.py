# ldfc-net-rt-g distilled from IAT with 800 new night pictures of scenes it never saw: dark
# renditions of daylight photographs (photos.py, data.photo_night_inputs) that IAT alone labels,
# drawn about as often as the training pairs (the ground truth and IAT's picture as targets).
# As iat-ldfc-net-rt-g but for where the new pictures come from.
mode = "distill"
model = "ldfc-net-rt-g"
split = "scenes"
teacher = "iat"
unlabelled = 800
unlabelled_source = "photos"
labelled_share = 0.5
steps = 10000
batch = 2
patch = 256
w_bright = 0.0
w_colour = 0.5
w_texture = 0.5
w_output = 0.5
