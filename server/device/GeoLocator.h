#pragma once

#include "models/common/Result.h"

#include <QHostAddress>
#include <QString>

#include <memory>

// Where an IP address is, as far as the databases know: what a session shows in
// location_country / location_city / location_timezone. Any part may be empty.
struct GeoLocation
{
    QString country;  // ISO 3166-1 alpha-2, e.g. "DE"
    QString city;     // English name, e.g. "Berlin"
    QString timezone; // IANA, e.g. "Europe/Berlin"

    bool isEmpty() const { return country.isEmpty() && city.isEmpty() && timezone.isEmpty(); }
    friend bool operator==(const GeoLocation &, const GeoLocation &) = default;
};

// Looks up a client address in two databases:
//  - libloc (IPFire location database, Debian package libloc-database): country only, always
//    there on a packaged install, so every session gets at least a country;
//  - optionally a City .mmdb the administrator supplies (GeoLite2-City, DB-IP City Lite), read
//    with libmaxminddb: country, city and time zone. Its country wins; libloc fills a gap.
// Loopback, private, link-local, CGNAT, multicast, documentation and other non-global addresses
// get no location, whatever a database might say about them.
//
// Thread-safe: one shared instance serves every HTTP worker. libmaxminddb reads its mmap'd file
// without shared state. libloc 0.9.16 does not: each lookup creates a loc_network that
// takes a reference on the loc_ctx with a plain `refcount++`/`--refcount` (no atomics, no
// lock), so concurrent lookups on one context race and can free it, and ThreadSanitizer sees
// lookups write a shared static buffer (inet_ntop in libloc). Its lookups are therefore
// serialised by a mutex (they take microseconds).
class GeoLocator
{
public:
    // Where Debian's libloc1 links the database (a symlink to the packaged
    // /usr/share/libloc-location/location.db that `location update` replaces with a fresh one).
    static QString defaultLibLocPath();
    // The file the libloc-database package ships; used when the default link is missing.
    static QString packagedLibLocPath();

    struct Options
    {
        QString libLocDatabase = defaultLibLocPath(); // empty: no libloc
        QString cityMmdb{};                           // empty: none
    };

    // A missing or unreadable libloc database is logged once and leaves countries to the .mmdb
    // (if any). A configured .mmdb that cannot be opened is an error: GEOIP_DATABASE_INVALID.
    static Result<std::shared_ptr<const GeoLocator>> open(const Options &options);

    ~GeoLocator();
    GeoLocator(const GeoLocator &) = delete;
    GeoLocator &operator=(const GeoLocator &) = delete;

    // Empty for addresses that are not globally routable (see isLocatable). IPv4-mapped IPv6
    // addresses (::ffff:a.b.c.d) are looked up as IPv4. Each part is at most 100 characters.
    GeoLocation locate(const QHostAddress &address) const;

    // Which databases are loaded, for the startup log.
    QString describe() const;
    bool hasLibLoc() const;
    bool hasCityDatabase() const;

    // False for addresses no database can place: unspecified, loopback, private (RFC 1918,
    // fc00::/7), link-local, CGNAT 100.64/10, multicast, documentation, benchmarking, reserved.
    static bool isLocatable(const QHostAddress &address);

private:
    struct Impl;
    explicit GeoLocator(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};
