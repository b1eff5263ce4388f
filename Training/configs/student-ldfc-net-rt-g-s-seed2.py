# student-ldfc-net-rt-g-s with seed 2 (other crops, flips and initial weights): its seed spread.
mode = 'student'
model = 'ldfc-net-rt-g'
split = 'scenes'
steps = 10000
batch = 2
patch = 256
seed = 2
