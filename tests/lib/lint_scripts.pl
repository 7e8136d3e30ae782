#!/usr/bin/env perl
# lint_scripts.pl [ROOT]: rules for the extension's SQL scripts (issue 6).
#  1. No CREATE OR REPLACE of an object the script did not create: the base
#     script never uses it; an upgrade or downgrade script only for a function
#     that the base script or an upgrade below its target version created.
#  2. No IF NOT EXISTS in update scripts: a script knows what is there.
#  3. Every CREATE FUNCTION / PROCEDURE has a SET search_path.
# Prints one line per problem (file: statement start), exit 1 when any.
use strict;
use warnings;
use File::Basename qw(basename dirname);
use Cwd qw(abs_path);

my $root = $ARGV[0] // abs_path(dirname(__FILE__) . '/../..');
my @problems;

# Statements of a script, without comments; dollar-quoted bodies and string
# literals are kept whole (a ';' inside them ends nothing).
sub statements {
    my ($file) = @_;
    open my $fh, '<', $file or die "$file: $!";
    local $/;
    my $sql = <$fh>;
    close $fh;
    my (@out, $cur);
    $cur = '';
    while (length $sql) {
        if ($sql =~ s/^(\$[A-Za-z_0-9]*\$)//) {            # dollar quote
            my $tag = $1;
            my $end = index($sql, $tag);
            $end = length $sql if $end < 0;
            $cur .= $tag . substr($sql, 0, $end) . $tag;
            substr($sql, 0, $end + length $tag) = '';
        } elsif ($sql =~ s/^('(?:[^']|'')*')//) {          # string literal
            $cur .= $1;
        } elsif ($sql =~ s/^--[^\n]*//) {                  # line comment
        } elsif ($sql =~ s/^\\[^\n]*//) {                  # psql meta-command
        } elsif ($sql =~ s/^;//) {
            push @out, $cur if $cur =~ /\S/;
            $cur = '';
        } else {
            $sql =~ s/^([^\$';\-\\]+|.)//s;
            $cur .= $1;
        }
    }
    push @out, $cur if $cur =~ /\S/;
    s/^\s+|\s+$//g for @out;
    return @out;
}

sub version_key { join '.', map { sprintf '%05d', $_ } split /\./, $_[0] }

sub function_name {
    my ($stmt) = @_;
    return lc $1 if $stmt =~ /^CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+([\w.]+)/i;
    return undef;
}

my $base = "$root/sql/megaforce--1.0.sql";
my %created_by_version;    # version => [function names created at it]
for my $stmt (statements($base)) {
    if ($stmt =~ /^CREATE\s+OR\s+REPLACE\b/i) {
        push @problems, "sql/megaforce--1.0.sql: CREATE OR REPLACE in the base script: " . substr($stmt, 0, 60);
    }
    my $name = function_name($stmt);
    push @{ $created_by_version{'1.0'} }, $name if $name;
    check_search_path('sql/megaforce--1.0.sql', $stmt);
}

my @updates = sort glob("$root/migrations/megaforce--*--*.sql");
for my $file (@updates) {
    my ($from, $to) = basename($file) =~ /^megaforce--(.+)--(.+)\.sql$/ or next;
    next unless version_key($to) gt version_key($from);
    for my $stmt (statements($file)) {
        my $name = function_name($stmt);
        push @{ $created_by_version{$to} }, $name if $name && $stmt !~ /^CREATE\s+OR\s+REPLACE/i;
    }
}

sub check_search_path {
    my ($file, $stmt) = @_;
    return unless $stmt =~ /^CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\b/i;
    push @problems, "$file: no SET search_path: " . (split /\n/, $stmt)[0]
        unless $stmt =~ /\bSET\s+search_path\b/i;
}

for my $file (@updates) {
    my $short = 'migrations/' . basename($file);
    my ($from, $to) = basename($file) =~ /^megaforce--(.+)--(.+)\.sql$/ or next;
    # What exists when this script runs: everything created up to the higher
    # of its two versions, plus what it created above.
    my $top = version_key($to) gt version_key($from) ? $to : $from;
    my %known = map { $_ => 1 }
                map { @{ $created_by_version{$_} } }
                grep { version_key($_) le version_key($top) } keys %created_by_version;
    for my $stmt (statements($file)) {
        push @problems, "$short: IF NOT EXISTS in an update script: " . (split /\n/, $stmt)[0]
            if $stmt =~ /\bIF\s+NOT\s+EXISTS\b/i;
        if ($stmt =~ /^CREATE\s+OR\s+REPLACE\s+(\w+)/i) {
            my $name = function_name($stmt);
            push @problems, "$short: CREATE OR REPLACE of an object no megaforce script created: "
                            . (split /\n/, $stmt)[0]
                unless $name && $known{$name};
        }
        check_search_path($short, $stmt);
    }
}

print "$_\n" for @problems;
exit(@problems ? 1 : 0);
