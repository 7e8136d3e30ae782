# Minimal TAP producer for shell tests run by `prove`; source this file.
_tap_n=0 _tap_failed=0

# ok CONDITION_EXIT_CODE DESCRIPTION  — use as: ok $? "what"  or  check "what" cmd...
ok() {
  local status=$1; shift
  _tap_n=$((_tap_n + 1))
  if [[ $status -eq 0 ]]; then echo "ok $_tap_n - $*"
  else echo "not ok $_tap_n - $*"; _tap_failed=$((_tap_failed + 1)); fi
}

# is GOT WANT DESCRIPTION
is() {
  local got=$1 want=$2; shift 2
  if [[ $got == "$want" ]]; then ok 0 "$@"
  else ok 1 "$@"; printf '#   got:  %s\n#   want: %s\n' "$got" "$want"; fi
}

# check DESCRIPTION COMMAND...: passes when the command exits 0 (output shown as diagnostics on failure)
check() {
  local desc=$1 out; shift
  if out=$("$@" 2>&1); then ok 0 "$desc"
  else ok 1 "$desc"; sed 's/^/#   /' <<<"$out"; fi
}

diag() { echo "# $*"; }

done_testing() { echo "1..$_tap_n"; [[ $_tap_failed -eq 0 ]]; }
