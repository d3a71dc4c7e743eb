#!/usr/bin/perl
# Writes a small GeoIP2-City-shaped MaxMind DB for tests (libmaxmind-db-writer-perl).
#
#   perl make-test-mmdb.pl OUTPUT.mmdb < networks.json
#
# stdin is a JSON array of {"network": "CIDR", "data": {...}}; data nests like GeoIP2 City:
# {"country": {"iso_code": "DE"}, "city": {"names": {"en": "Berlin"}},
#  "location": {"time_zone": "Europe/Berlin"}}. IPv4 networks land in the IPv4 part of the
# IPv6 tree (::/96) and ::ffff:0:0/96 is aliased to it, as in MaxMind's own databases.
use strict;
use warnings;

use JSON::PP ();
use MaxMind::DB::Writer::Tree;

my $output = shift @ARGV or die "usage: $0 OUTPUT.mmdb < networks.json\n";
my $networks = JSON::PP->new->utf8->decode( do { local $/; <STDIN> } );
die "stdin must be a JSON array\n" unless ref $networks eq 'ARRAY';

# Every key that holds a map; all leaves are strings.
my %maps = map { $_ => 1 } qw(country registered_country continent city location names);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version            => 6,
    record_size           => 28,
    database_type         => 'Gatehouse-Test-City',
    languages             => ['en'],
    description           => { en => 'Gatehouse test City database' },
    alias_ipv6_to_ipv4    => 1,
    # Tests put data on private networks too, to prove the reader refuses to look them up.
    remove_reserved_networks => 0,
    map_key_type_callback => sub { $maps{ $_[0] } ? 'map' : 'utf8_string' },
);

for my $entry ( @{$networks} ) {
    $tree->insert_network( $entry->{network}, $entry->{data} );
}

open my $fh, '>:raw', $output or die "cannot write $output: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $output: $!\n";
