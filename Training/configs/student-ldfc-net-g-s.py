# The quality student ldfc-net-g trained without a teacher: the twin that distill-ldfc-net-g-oof and
# iat-ldfc-net-g are measured against (kd_gain.py).
mode = 'student'
model = 'ldfc-net-g'
split = 'scenes'
steps = 7000
batch = 2
patch = 256
