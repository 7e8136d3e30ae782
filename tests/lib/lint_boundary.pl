#!/usr/bin/env perl
# lint_boundary.pl [ROOT]: the boundary rule of extension/pg/boundary.hpp,
# checked in the source (issue 17). An ereport is a longjmp: in C++ that
# holds objects with destructors it must be caught by pg_call(), or the
# destructors are skipped (a leak per cancel, at best). So in extension/pg/
# and tests/pg/ a PostgreSQL call that may raise an error stands inside a
# pg_call(...) (check_interrupts() is CHECK_FOR_INTERRUPTS through it):
#   - CHECK_FOR_INTERRUPTS, elog, ereport, PG_RE_THROW, ReThrowError;
#   - the macros that detoast (PG_GETARG_TEXT_PP, DatumGetByteaPP, ...);
#   - any function the server headers declare extern, except the few below
#     that cannot raise an error (%cannot_error).
# A function that is itself only ever called through pg_call, or is a plain C
# frame holding no C++ objects, is allow-listed in %c_frames with the reason.
# An allow-list entry that matches no function is a problem too (stale).
# Prints one line per problem (file:line: function: call), exit 1 when any.
use strict;
use warnings;
use File::Basename qw(dirname);
use Cwd qw(abs_path);

my $root = $ARGV[0] // abs_path(dirname(__FILE__) . '/../..');

# PostgreSQL functions that never ereport(ERROR) as this code uses them.
my %cannot_error = map { $_ => 1 } qw(
  RecoveryInProgress GetCurrentTransactionStartTimestamp GetCurrentTimestamp
  GetCurrentStatementStartTimestamp SPI_getbinval SPI_fnumber SPI_result_code_string
  FlushErrorState pg_strong_random MemoryContextSwitchTo pg_localtime
  Int64GetDatum Float8GetDatum Float4GetDatum
  pg_strncasecmp GetOuterUserId TimestampDifferenceExceeds
);

# file => { function => reason }: functions that call PostgreSQL directly.
my %c_frames = (
  'extension/pg/boundary.hpp' => {
    pg_call => 'the boundary itself: PG_TRY around the call, holds no C++ objects',
    report => 'raises the error after every C++ frame and exception is gone',
  },
  'extension/pg/subtransaction.hpp' => {
    in_subtransaction => 'called only through pg_call; holds only trivially destructible locals',
  },
  'extension/pg/run_claim.cpp' => {
    store_claimed_rows => 'called only through pg_call; holds no C++ objects',
  },
  'extension/pg/spi.cpp' => {
    prepared => 'called only inside pg_call (execute, open_cursor); holds no C++ objects',
    table_blocks => 'called only inside pg_call (fitting_plan); holds no C++ objects',
    current_sizes => 'called only inside pg_call (fitting_plan); holds no C++ objects',
    plan_generation => 'called only inside pg_call (execute, open_cursor); holds no C++ objects',
    fitting_plan => 'called only inside pg_call (execute, open_cursor); holds no C++ objects',
    source_is_current => 'called only inside pg_call (fitting_plan); holds no C++ objects',
    generic_plan_is_current => 'called only inside pg_call (fitting_plan); holds no C++ objects',
    lock_generic_plan => 'called only inside pg_call (fitting_plan); holds no C++ objects',
    invalidate_generic_plan => 'called only inside pg_call (fitting_plan, note_planned_sizes); holds no C++ objects',
    enter_plan_shape => 'called only inside pg_call; holds no C++ objects',
    leave_plan_shape => 'called only inside pg_call; holds no C++ objects',
  },
  'extension/pg/run_counters.cpp' => {
    count_finished_run => 'called only through pg_call (the runs AFTER trigger); holds no C++ objects',
  },
  'extension/pg/index_lookup.cpp' => {
    relation_oid => 'called only from scan_one, inside pg_call',
    check_select_privilege => 'called only from scan_one, inside pg_call',
    scan_one => 'called only through pg_call (lookup_row); holds no C++ objects',
  },
  'extension/pg/scheduler.cpp' => {
    run_job => 'the worker loop is plain C: PG_TRY around each transaction, no C++ objects',
    megaforce_scheduler_main => 'the worker loop is plain C: holds no C++ objects',
    prune_expired_runs => 'plain C between transactions of the worker loop: holds no C++ objects',
  },
  'extension/pg/settings.cpp' => {
    define_settings => 'plain C at _PG_init: holds no C++ objects',
    check_databases => 'the GUC hook reports after its C++ objects are gone',
    check_retention => 'a GUC check hook in plain C: the date parsers return error codes, never ereport',
    define_retention_settings => 'plain C at _PG_init: holds no C++ objects',
  },
);

sub slurp {
  my ($file) = @_;
  open my $fh, '<', $file or die "$file: $!";
  local $/;
  my $text = <$fh>;
  close $fh;
  return $text;
}

# Comments, string and character literals become blanks (newlines kept), so
# positions and line numbers stay those of the file.
sub strip {
  my ($text) = @_;
  $text =~ s{(//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')}{
    my $m = $1; (my $b = $m) =~ s/[^\n]/ /g;
    $m =~ m{^["']} ? substr($m, 0, 1) . substr($b, 1, -1) . substr($m, -1) : $b
  }gse;
  return $text;
}

# The extern functions of the server headers.
sub server_functions {
  my $dir = $ENV{MF_PG_INCLUDEDIR_SERVER};
  # The headers the build compiles against (CMakeLists.txt, Makefile.pgxs:
  # pg_config on the PATH; a staged server copy has none).
  chomp($dir = `pg_config --includedir-server`) unless $dir;
  die "no server headers in '$dir'\n" unless $dir && -d $dir;
  my %names;
  my @files = split /\n/, `find '$dir' -name '*.h'`;
  for my $file (@files) {
    my $text = strip(slurp($file));
    while ($text =~ /\bextern\s+(?:"C"\s+)?[^;{}()#]*?\b([A-Za-z_]\w*)\s*\(/g) {
      $names{$1} = 1;
    }
  }
  die "no extern functions found under $dir\n" unless keys %names > 1000;
  return \%names;
}

my $server = server_functions();
delete $server->{$_} for keys %cannot_error;
my $macros = qr/\b(?:CHECK_FOR_INTERRUPTS|elog|ereport|PG_RE_THROW|ReThrowError
  |GUC_check_err(?:msg|detail|hint)
  |PG_GETARG_(?:TEXT|BYTEA|VARCHAR|BPCHAR|JSONB|ARRAYTYPE|NUMERIC|HSTORE)_P\w*
  |PG_DETOAST_DATUM\w*|DatumGet(?:Text|Bytea|VarChar|BpChar|Jsonb|ArrayType|Numeric)P\w*)\b/x;

# The position just past the bracket that closes the one open before $i.
sub closing {
  my ($text, $i, $open, $close) = @_;
  my $depth = 1;
  while ($i < length $text && $depth > 0) {
    my $c = substr($text, $i++, 1);
    $depth++ if $c eq $open;
    $depth-- if $c eq $close;
  }
  return $i;
}

# Spans [start, end) of the text inside pg_call( ... ).
sub boundary_spans {
  my ($text) = @_;
  my @spans;
  while ($text =~ /\bpg_call\s*\(/g) {
    push @spans, [pos($text), closing($text, pos($text), '(', ')')];
  }
  return \@spans;
}

# Spans of the blocks opened by `$opener` (a pattern ending in '{').
sub blocks_after {
  my ($text, $opener) = @_;
  my @spans;
  while ($text =~ /$opener/g) {
    push @spans, [pos($text), closing($text, pos($text), '{', '}')];
  }
  return \@spans;
}

# Function bodies as [name, start, end]: a definition starts at column 0
# (this code's layout) with `name(...) ... {`, or MF_FUNCTION(name) {.
sub functions {
  my ($text) = @_;
  my @out;
  while ($text =~ /^(?!namespace|using|extern\s*"C"\s*\{|struct|class|union|enum|typedef|template|\#|\}|\s)
                   ([^;{}()\n]*?\b([A-Za-z_]\w*)\s*\([^;{}]*?\)[^;{}()]*?)\{/gmx) {
    my ($head, $name) = ($1, $2);
    my $open = pos($text) - 1;
    $name = $1 if $head =~ /^\s*MF_(?:WRITE_)?FUNCTION\s*\(\s*(\w+)/;
    push @out, [$name, $open, closing($text, $open + 1, '{', '}')];
    pos($text) = $open + 1;
  }
  # Inline and member functions of a header or class, indented: the same
  # shape at any indentation, innermost wins.
  while ($text =~ /^[ \t]+(?!return|if|for|while|switch|else|do|case|constexpr)[^;{}()\n=]*?\b([A-Za-z_]\w*)\s*\([^;{}]*?\)\s*(?:const\s*)?(?:noexcept\s*)?(?:->\s*[\w:<>()]+\s*)?\{/gm) {
    my $name = $1;
    next if $name =~ /^(?:if|for|foreach|while|switch|catch|constexpr|PG_TRY|PG_CATCH)$/;
    my $open = pos($text) - 1;
    push @out, [$name, $open, closing($text, $open + 1, '{', '}')];
    pos($text) = $open + 1;
  }
  return \@out;
}

my @problems;
my %allow_used;
my @files = map { glob("$root/$_") } qw(extension/pg/*.cpp extension/pg/*.hpp tests/pg/*.cpp);
die "no sources under $root/extension/pg\n" unless @files;
for my $path (sort @files) {
  (my $file = $path) =~ s{^\Q$root\E/}{};
  my $text = strip(slurp($path));
  my $spans = boundary_spans($text);
  my $funcs = functions($text);
  my $catches = blocks_after($text, qr/\bcatch\s*\([^)]*\)\s*\{/);
  my $allowed = $c_frames{$file} // {};
  while ($text =~ /(?<![\w.>:])(?:::)?([A-Za-z_]\w*)\s*\(/g) {
    my $name = $1;
    my $at = $-[1];
    next unless $name =~ $macros || $server->{$name};
    # A declaration or definition of the same name is not a call.
    my $line_start = rindex($text, "\n", $at) + 1;
    my $before = substr($text, $line_start, $at - $line_start);
    next if $before =~ /\b(?:PGDLLEXPORT|void|Datum|define)\s*$/ && $before !~ /[=(,]/;
    my $line = 1 + (substr($text, 0, $at) =~ tr/\n//);
    # Inside a catch block the exception object is alive: an error raised
    # there longjmps out of the handler, allow-listed function or not.
    if (grep { $at >= $_->[0] && $at < $_->[1] } @$catches) {
      push @problems, "$file:$line: $name() inside a catch block";
      next;
    }
    next if grep { $at >= $_->[0] && $at < $_->[1] } @$spans;
    my ($inner) = sort { ($a->[2] - $a->[1]) <=> ($b->[2] - $b->[1]) } grep { $at > $_->[1] && $at < $_->[2] } @$funcs;
    my $func = $inner ? $inner->[0] : '(file scope)';
    if (exists $allowed->{$func}) { $allow_used{"$file:$func"} = 1; next; }
    push @problems, "$file:$line: $func: $name() outside pg_call";
  }
}
for my $file (sort keys %c_frames) {
  for my $func (sort keys %{$c_frames{$file}}) {
    push @problems, "$file: allow-list entry $func matches no direct PostgreSQL call (stale?)"
      unless $allow_used{"$file:$func"};
  }
}
print "$_\n" for @problems;
exit(@problems ? 1 : 0);
