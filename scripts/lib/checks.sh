# The check helpers of the CI shell scripts (test-image.sh, test-compose.sh), sourced by them.
# The sourcing script sets SUITE (the word before the summary line: "image", "compose") and
# defines its own cleanup. Prints one "ok"/"not ok" line per check and, from finish, the summary
# "$SUITE: N passed, N failed" that .ci/run adds up.
pass=0
fail=0
n=0

ok() {
  n=$((n + 1))
  pass=$((pass + 1))
  echo "ok $n - $1"
}
not_ok() {
  n=$((n + 1))
  fail=$((fail + 1))
  echo "not ok $n - $1"
  [ -n "${2:-}" ] && sed 's/^/  # /' <<<"$2"
}
check() { # check DESCRIPTION COMMAND...: ok when the command succeeds
  local desc=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}
finish() {
  echo "$SUITE: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
  exit
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
wait_for() { # wait_for SECONDS COMMAND...: polls every 50 ms until the command succeeds
  local deadline=$(($(now_ms) + $1 * 1000))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(now_ms)" -ge "$deadline" ] && return 1
    sleep 0.05
  done
}
