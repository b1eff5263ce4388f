# The teacher with a whole-frame view (network teacher-g: both U-Nets add a 1x1 conv of their
# deepest features' whole-frame mean) on the scene split. teacher-s, without it, scored 19.0 dB
# on the unseen scenes and ended below both of its students; the whole-frame real-time student
# (student-ldfc-net-rt-g-s) reached 21.0 dB there with 25 K parameters. Crops of 256 (batch 2, the pixels of 8 crops of 128) as
# that student's, so that the mean in training covers a quarter of a picture. 2500 steps
# (teacher-s: 3500), sized to one thread of a 2-core session (1.3-1.9 s a step beside a student
# run and the Swift tests) with time left to distil from it in the same session. Peak rate 5e-4
# (teacher-v3's): at teacher-s's 1e-3 it diverged at step ~500, 200 steps after the warm-up
# (reconstruction loss 0.27 -> 0.83, validation 4.6 dB: the output clamped), the whole-frame
# terms moving every pixel at once.
mode = "teacher"
model = "teacher-g"
split = "scenes"
steps = 2500
batch = 2
patch = 256
lr = 5e-4
