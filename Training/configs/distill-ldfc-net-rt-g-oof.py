# The shipped real-time student (Weights/ldfc-net-rt.safetensors): ldfc-net-rt-g distilled from the fold
# teachers' out-of-fold outputs, exposure from the teacher, no brightness term. Twin: student-ldfc-net-rt-g-s.
mode = 'distill'
model = 'ldfc-net-rt-g'
split = 'scenes'
teacher = ['teacher-g-s-f0', 'teacher-g-s-f1']
teacher_calibration = True
teacher_calibration_sigma = 16
exposure_from_teacher = True
steps = 10000
batch = 2
patch = 256
w_colour = 0.5
w_output = 0.5
w_texture = 0.5
