# teacher-g-s holding out fold 0 of the training scenes as well: with teacher-g-s-f1 it gives every
# training picture a teacher output from a network that never saw that scene (out-of-fold).
mode = 'teacher'
model = 'teacher-g'
split = 'scenes'
fold = (0, 2)
steps = 2500
batch = 2
patch = 256
lr = 0.0005
