# The real-time student ldfc-net-rt-g trained without a teacher: the twin that distill-ldfc-net-rt-g-oof
# and the iat-*-ldfc-net-rt-g runs are measured against (kd_gain.py).
mode = 'student'
model = 'ldfc-net-rt-g'
split = 'scenes'
steps = 10000
batch = 2
patch = 256
