#!/bin/sh
# The command behind RESULTS.md, at a scale two cores run in minutes: the paper's setting (100
# teachers ẋ = A x + B u with a PWM-like input, 50 inside Euler's region and 50 outside RK4's;
# students f_θ(x, u) with the prior and the stability-informed init through all eight explicit
# built-in tableaux; NAdam, clip 1, windows of 10 samples, 30 s at 0.1 s, 30 epochs).
# Pass --teachers 500 for the paper's scale (RESULTS.md records that run), --setting autonomous
# for the earlier study without input.
# Usage: examples/teacher_student/run.sh [BUILD_DIR] [extra teacher_student options]
set -e
build=${1:-build}
[ $# -gt 0 ] && shift
cmake --build "$build" --target teacher_student -j2
"$build/examples/teacher_student/teacher_student" --threads 2 --out teacher_student_out "$@"
