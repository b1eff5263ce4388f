# The Retinex teacher with a whole-frame view (teacher-g), trained on every training scene; shipped
# as Weights/teacher.safetensors for reference.
mode = 'teacher'
model = 'teacher-g'
split = 'scenes'
steps = 2500
batch = 2
patch = 256
lr = 0.0005
