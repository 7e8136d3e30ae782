#!/usr/bin/env bash
# Packaging (issue 10): META.json is valid PGXN meta (spec 1.0.0) and agrees
# with the control file; `make -f Makefile.pgxs dist` gives a tarball that
# builds and installs with nothing but PGXS; docker/docker-compose.yml passes
# `docker-compose config`, holds no password, and every build step of
# docker/Dockerfile exists in the repository. (tests/docker/compose_stack.sh
# builds the image and runs the stack.)
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$here"

# --- META.json -------------------------------------------------------------------
head=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" extension/megaforce.control)
out=$(perl -MJSON::PP -e '
  local $/; open my $f, "<", "META.json" or die "cannot read META.json\n"; my $m = decode_json(<$f>);
  my $semver = qr/^\d+\.\d+\.\d+(-[0-9A-Za-z-]+)?$/;
  my @problems;
  for my $k (qw(name abstract version maintainer license provides meta-spec)) {
    push @problems, "missing $k" unless exists $m->{$k};
  }
  push @problems, "meta-spec.version is not 1.0.0" unless ($m->{"meta-spec"}{version} // "") eq "1.0.0";
  push @problems, "version is not semver" unless ($m->{version} // "") =~ $semver;
  push @problems, "name is not a PGXN name" unless ($m->{name} // "") =~ /^[A-Za-z][A-Za-z0-9_-]+$/;
  my %licenses = map { $_ => 1 } qw(agpl_3 apache_1_1 apache_2_0 artistic_1 artistic_2 bsd gpl_1 gpl_2 gpl_3
    lgpl_2_1 lgpl_3_0 mit mozilla_1_0 mozilla_1_1 openssl perl_5 postgresql qpl_1_0 ssleay sun unrestricted
    restrictive open_source unknown);
  push @problems, "unknown license" unless ref $m->{license} || $licenses{$m->{license}};
  push @problems, "maintainer is not a list of names" unless ref $m->{maintainer} eq "ARRAY" && @{$m->{maintainer}};
  for my $ext (keys %{$m->{provides} // {}}) {
    my $p = $m->{provides}{$ext};
    push @problems, "provides.$ext.version is not semver" unless ($p->{version} // "") =~ $semver;
    push @problems, "provides.$ext.file $p->{file} does not exist" unless -f ($p->{file} // "");
    push @problems, "provides.$ext has no abstract" unless $p->{abstract};
  }
  for my $phase (keys %{$m->{prereqs} // {}}) {
    for my $rel (keys %{$m->{prereqs}{$phase}}) {
      push @problems, "prereqs.$phase.$rel is not a known relationship"
        unless $rel =~ /^(requires|recommends|suggests|conflicts)$/;
    }
  }
  push @problems, "release_status" unless ($m->{release_status} // "stable") =~ /^(stable|testing|unstable)$/;
  print join("\n", @problems), "\n" if @problems;
  print "VERSION $m->{provides}{megaforce}{version}\n";
' 2>&1)
is "$(grep -v '^VERSION' <<<"$out")" "" "META.json is valid PGXN meta (spec 1.0.0)"
is "$(sed -n 's/^VERSION //p' <<<"$out")" "$head.0" "META.json provides megaforce at the control file's head ($head)"

# --- the release tarball -----------------------------------------------------------
tarball=$(make -s -f Makefile.pgxs dist 2>/dev/null | tail -1)
[[ -f $tarball ]]; ok $? "make -f Makefile.pgxs dist writes $tarball"
tar -C "$work" -xzf "$tarball" && rm -f "$tarball"
src=$work/${tarball%.tar.gz}
check "the tarball builds with plain make (PGXS only)" make -C "$src" -s with_llvm=no
check "and installs (DESTDIR)" make -C "$src" -s with_llvm=no install DESTDIR="$work/stage"
ext_dir="$work/stage$(pg_config --sharedir)/extension"
[[ -f $ext_dir/megaforce.control && -f $ext_dir/megaforce--1.0.sql && -f $ext_dir/megaforce--1.0--1.1.sql &&
   -f "$work/stage$(pg_config --pkglibdir)/megaforce.so" ]]
ok $? "the control file, every script and the library are installed"

# --- docker -------------------------------------------------------------------------
printf 'POSTGRES_PASSWORD=from-the-env-file\n' >"$work/env"
check "docker-compose config accepts docker/docker-compose.yml" \
  docker-compose -f docker/docker-compose.yml --env-file "$work/env" config -q
printf 'POSTGRES_USER=megaforce\n' >"$work/env.nopassword"
out=$(env -u POSTGRES_PASSWORD docker-compose -f docker/docker-compose.yml --env-file "$work/env.nopassword" config -q 2>&1)
grep -q 'POSTGRES_PASSWORD' <<<"$out"
ok $? "without a password in the .env file, docker-compose says which variable is missing"
config=$(docker-compose -f docker/docker-compose.yml --env-file "$work/env" config)
grep -q 'from-the-env-file' <<<"$config" && ! grep -qi 'password' <<<"$(grep -vE '\$\{POSTGRES_PASSWORD|^\s*#' docker/docker-compose.yml | grep -iE 'password')"
ok $? "the password comes from the .env file; the compose file holds none"
grep -q 'healthcheck' docker/docker-compose.yml && grep -q 'pg_isready' docker/docker-compose.yml &&
  grep -q '/health' docker/docker-compose.yml
ok $? "healthchecks: pg_isready for the database, GET /health for megaforce serve"

missing=()
while read -r src_path; do
  [[ -e $src_path ]] || missing+=("$src_path")
done < <(grep -E '^COPY ' docker/Dockerfile | grep -v -- '--from' | awk '{for (i = 2; i < NF; i++) print $i}')
is "${missing[*]:-}" "" "every COPY source of the Dockerfile exists in the repository"
[[ $(grep -c '^FROM debian:bookworm-slim AS build$' docker/Dockerfile) == 1 &&
   $(grep -c '^FROM debian:bookworm-slim$' docker/Dockerfile) == 1 ]] &&
  ! sed -n '/^FROM debian:bookworm-slim$/,$p' docker/Dockerfile | grep -qE 'g\+\+|cmake|-dev\b'
ok $? "multi-stage from debian:bookworm-slim; the runtime stage installs no build tools"
make -n -f Makefile.pgxs with_llvm=no install DESTDIR=/out >/dev/null 2>&1
ok $? "the Dockerfile's make -f Makefile.pgxs install target exists"
target=$(grep -o -- '--target [a-z_]*' docker/Dockerfile | awk '{print $2}')
grep -q "add_executable($target " CMakeLists.txt
ok $? "the Dockerfile's CMake target ($target) exists"
grep -q 'CREATE EXTENSION megaforce' docker/entrypoint.sh && grep -q '^ENTRYPOINT \["docker-entrypoint.sh"\]' docker/Dockerfile
ok $? "the image's entrypoint creates the extension at head on the first start"
done_testing
