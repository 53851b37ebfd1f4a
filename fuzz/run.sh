#!/usr/bin/env bash
# Runs the libFuzzer harnesses. Two modes:
#
#   bash fuzz/run.sh BUILD_DIR replay [name ...]
#       The gate `make check` uses: every harness runs once over each
#       committed seed (fuzz/corpus/<name>/) and each regression input
#       (tests/data/fuzz-regress/<name>-*), with no random mutation. The
#       same inputs every time, so it passes or fails for the code alone;
#       any crash, leak or timeout fails.
#
#   bash fuzz/run.sh BUILD_DIR SECONDS [--report-only] [name ...]
#       Random exploration (`make fuzz`) for SECONDS per harness, starting
#       from the seeds and what earlier runs learned. A crash, leak,
#       timeout or out-of-memory fails, unless --report-only, which prints
#       the finding and its input and returns 0 (what `make check`'s short
#       exploration does: a random finding in code a change did not touch
#       must not block it; it becomes a regression input once fixed).
#
# The seeds in fuzz/corpus/<name>/ are read, never written: what the
# fuzzer learns goes to BUILD_DIR/fuzz-corpus/<name>/, and a crashing input
# to BUILD_DIR/fuzz-artifacts/<name>/. A crash found is fixed in the code,
# and its input becomes a regression input (tests/data/fuzz-regress/,
# named <harness>-<what>.<ext>, read back by tests/unit/*/test_fuzz_regress.c).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?build directory}
mode=${2:?replay or seconds per harness}
shift 2
report_only=0
if [ "${1:-}" = --report-only ]; then report_only=1; shift; fi
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(ministry boundary bpmn expr http)

# Inputs larger than this teach nothing the seeds do not; the limit keeps
# each execution short. Timeouts and memory are failures: an input that
# takes 10 s or 2 GiB is a denial of service.
declare -A maxlen=([ministry]=16384 [boundary]=16384 [bpmn]=65536 [expr]=1024 [http]=4096)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for n in "${names[@]}"; do
  bin="$build/fuzz/fuzz_$n"
  [ -x "$bin" ] || { echo "fuzz: $bin is missing (make fuzz-build)"; exit 2; }
  log="$build/fuzz-$n.log"
  if [ "$mode" = replay ]; then
    inputs=(fuzz/corpus/"$n"/*)
    for f in tests/data/fuzz-regress/"$n"-*; do [ -f "$f" ] && inputs+=("$f"); done
    # Given files (not directories), libFuzzer runs each once and exits.
    if "$bin" -timeout=10 -rss_limit_mb=2048 "${inputs[@]}" >"$log" 2>&1; then
      echo "fuzz: $n replayed ${#inputs[@]} inputs"
    else
      echo "fuzz: $n FAILED on a committed input; log $log:"
      grep -E 'Running:|ERROR|SUMMARY|==[0-9]+==|#[0-9]+ 0x' "$log" | tail -30
      failed+=("$n")
    fi
    continue
  fi
  work="$build/fuzz-corpus/$n"
  art="$build/fuzz-artifacts/$n"
  mkdir -p "$work" "$art"
  echo "fuzz: $n for ${mode}s"
  if "$bin" -max_total_time="$mode" -timeout=10 -rss_limit_mb=2048 -max_len="${maxlen[$n]}" \
       -print_final_stats=1 -artifact_prefix="$art/" "$work" "fuzz/corpus/$n" >"$log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$log" | tr '\n' ' ' | sed 's/stat:://g'
    echo
  else
    echo "fuzz: $n found a failing input; input in $art, log $log:"
    grep -E 'ERROR|SUMMARY|==[0-9]+==|#[0-9]+ 0x' "$log" | head -30
    failed+=("$n")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  if [ "$mode" != replay ] && [ $report_only = 1 ]; then
    echo "fuzz: exploration found failing inputs in: ${failed[*]} (reported, not a failure of"
    echo "      this run; fix the code and add the input to tests/data/fuzz-regress/)"
    exit 0
  fi
  echo "fuzz: failures in: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#names[@]} harnesses passed"
