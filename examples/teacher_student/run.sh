#!/bin/sh
# The exact command behind RESULTS.md: 100 teachers (50 inside Euler's region, 50 outside
# RK4's), students with the prior and the stability-informed init through Euler, Midpoint,
# Kutta3 and RK4, 30 epochs each. Pass --teachers 500 for the paper's scale.
# Usage: examples/teacher_student/run.sh [BUILD_DIR] [extra teacher_student options]
set -e
build=${1:-build}
[ $# -gt 0 ] && shift
cmake --build "$build" --target teacher_student -j2
# The defaults are the study's settings: --teachers 100 --epochs 30 --seed 1.
"$build/examples/teacher_student/teacher_student" --out teacher_student_out "$@"
