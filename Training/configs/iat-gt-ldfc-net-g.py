# ldfc-net-g distilled from IAT on the training pairs alone (the ground truth and IAT's picture as
# targets, no new pictures): the quality student's row between its twin and iat-ldfc-net-g, with the
# same terms as iat-ldfc-net-g (the brightness term included).
mode = "distill"
model = "ldfc-net-g"
split = "scenes"
teacher = "iat"
unlabelled = 0
steps = 7000
batch = 2
patch = 256
w_bright = 0.5
w_colour = 0.5
w_texture = 0.5
w_output = 0.5
