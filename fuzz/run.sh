#!/usr/bin/env bash
# Runs each libFuzzer harness for a set time and fails on any crash,
# leak, timeout or out-of-memory it finds.
# Usage: bash fuzz/run.sh BUILD_DIR SECONDS [name ...]   (names: ministry
# boundary bpmn expr http; default all)
#
# The seeds in fuzz/corpus/<name>/ are read, never written: what the
# fuzzer learns goes to BUILD_DIR/fuzz-corpus/<name>/, which later runs
# start from, and a crashing input to BUILD_DIR/fuzz-artifacts/<name>/.
# A crash found is fixed in the code, and its input becomes a regression
# test (tests/data/fuzz-regress/, tests/unit/*/test_fuzz_regress.c).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?build directory}
secs=${2:?seconds per harness}
shift 2
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
  work="$build/fuzz-corpus/$n"
  art="$build/fuzz-artifacts/$n"
  mkdir -p "$work" "$art"
  log="$build/fuzz-$n.log"
  echo "fuzz: $n for ${secs}s"
  if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="${maxlen[$n]}" \
       -print_final_stats=1 -artifact_prefix="$art/" "$work" "fuzz/corpus/$n" >"$log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$log" | tr '\n' ' ' | sed 's/stat:://g'
    echo
  else
    echo "fuzz: $n FAILED; input in $art, log $log:"
    grep -E 'ERROR|SUMMARY|==[0-9]+==|#[0-9]+ 0x' "$log" | head -30
    failed+=("$n")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#names[@]} passed, 0 failed"
