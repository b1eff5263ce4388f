# student-ldfc-net-g-s with seed 2 (other crops, flips and initial weights): its seed spread.
mode = 'student'
model = 'ldfc-net-g'
split = 'scenes'
steps = 7000
batch = 2
patch = 256
seed = 2
