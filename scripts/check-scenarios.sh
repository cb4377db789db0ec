#!/bin/sh
# The scenario half of make check: every scenario passes on the fixed
# library (JUnit kept in results/), and every seeded defect is caught by at
# least one scenario (mutation score 13/13).
set -u
BUILD=${BUILD:-build}
mkdir -p results
status=0
"$BUILD"/forkchaos check -j 2 --junit results/junit.xml scenarios/ || status=1
"$BUILD"/forkchaos check --matrix -j 2 --repeat 1 scenarios/ >results/matrix.txt || status=1
sed -n '/^mutation matrix/,$p' results/matrix.txt
exit $status
