# teacher-g-s holding out fold 1 of the training scenes as well (see teacher-g-s-f0).
mode = 'teacher'
model = 'teacher-g'
split = 'scenes'
fold = (1, 2)
steps = 2500
batch = 2
patch = 256
lr = 0.0005
