# ldfc-net-g distilled from IAT with 800 new night pictures of scenes it never saw (dark renditions
# of daylight photographs, as iat-photos-ldfc-net-rt-g.py); otherwise as iat-ldfc-net-g.py.
mode = "distill"
model = "ldfc-net-g"
split = "scenes"
teacher = "iat"
unlabelled = 800
unlabelled_source = "photos"
labelled_share = 0.5
steps = 7000
batch = 2
patch = 256
w_bright = 0.5
w_colour = 0.5
w_texture = 0.5
w_output = 0.5
