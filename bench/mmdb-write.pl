#!/usr/bin/env perl
# Writes an MMDB from "prefix<TAB>list<TAB>tag" lines (shortest prefixes first), with MaxMind's own writer.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($in, $out) = @ARGV;
die "usage: mmdb-write.pl IN.tsv OUT.mmdb\n" unless $in && $out;
my %types = (list => 'utf8_string', tag => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(
  ip_version               => 6,
  record_size              => 28,
  database_type            => 'ipdest-bench',
  languages                => ['en'],
  description              => { en => 'ipdest bench: the real lists as one MMDB' },
  map_key_type_callback    => sub { $types{ $_[0] } },
  remove_reserved_networks => 0,
  merge_strategy           => 'none',
);
open my $fh, '<', $in or die "$in: $!";
while (my $line = <$fh>) {
  chomp $line;
  my ($prefix, $list, $tag) = split /\t/, $line;
  $tree->insert_network($prefix, { list => $list, tag => $tag });
}
close $fh;
open my $o, '>:raw', $out or die "$out: $!";
$tree->write_tree($o);
close $o;
