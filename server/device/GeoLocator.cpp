#include "GeoLocator.h"

#include "models/common/Log.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QRegularExpression>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <maxminddb.h>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>

// libloc 0.9.16's headers (all but libloc.h) lack extern "C".
extern "C" {
#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
}

using namespace Qt::StringLiterals;

namespace {

const QString kInvalid = u"GEOIP_DATABASE_INVALID"_s;
constexpr qsizetype kMaxLength = 100; // sessions.location_* are VARCHAR(100)

// Networks no database can place (IANA special-purpose registries, RFC 6890 and successors).
// Documentation ranges are here too: they are never a real client.
const QList<QPair<QHostAddress, int>> &unlocatableNetworks()
{
    static const QList<QPair<QHostAddress, int>> networks = [] {
        QList<QPair<QHostAddress, int>> list;
        for (const char *cidr : {
                 "0.0.0.0/8",       // "this network", includes the unspecified address
                 "10.0.0.0/8",      // RFC 1918
                 "100.64.0.0/10",   // CGNAT, RFC 6598
                 "127.0.0.0/8",     // loopback
                 "169.254.0.0/16",  // link-local
                 "172.16.0.0/12",   // RFC 1918
                 "192.0.0.0/24",    // IETF protocol assignments
                 "192.0.2.0/24",    // TEST-NET-1
                 "192.168.0.0/16",  // RFC 1918
                 "198.18.0.0/15",   // benchmarking
                 "198.51.100.0/24", // TEST-NET-2
                 "203.0.113.0/24",  // TEST-NET-3
                 "224.0.0.0/4",     // multicast
                 "240.0.0.0/4",     // reserved, includes the limited broadcast address
                 "::/96",           // unspecified, loopback, deprecated IPv4-compatible
                 "64:ff9b:1::/48",  // local-use NAT64
                 "100::/64",        // discard-only
                 "2001:db8::/32",   // documentation
                 "3fff::/20",       // documentation (RFC 9637)
                 "fc00::/7",        // unique local
                 "fe80::/10",       // link-local
                 "fec0::/10",       // deprecated site-local
                 "ff00::/8",        // multicast
             }) {
            list.append(QHostAddress::parseSubnet(QString::fromLatin1(cidr)));
        }
        return list;
    }();
    return networks;
}

// ::ffff:a.b.c.d → a.b.c.d (a dual-stack socket reports IPv4 clients that way); drops any scope.
QHostAddress normalised(const QHostAddress &address)
{
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        const Q_IPV6ADDR bytes = address.toIPv6Address();
        bool mapped = bytes[10] == 0xff && bytes[11] == 0xff;
        for (int i = 0; i < 10 && mapped; ++i)
            mapped = bytes[i] == 0;
        if (mapped) {
            return QHostAddress(quint32(bytes[12]) << 24 | quint32(bytes[13]) << 16 |
                                quint32(bytes[14]) << 8 | quint32(bytes[15]));
        }
        return QHostAddress(bytes);
    }
    return address;
}

// At most 100 UTF-16 units (so at most 100 characters), never half a surrogate pair.
QString clipped(QString text)
{
    if (text.size() <= kMaxLength)
        return text;
    qsizetype length = kMaxLength;
    if (text.at(length - 1).isHighSurrogate())
        --length;
    text.truncate(length);
    return text;
}

// ISO 3166-1 alpha-2 only: not the pseudo-codes databases use for "anonymous proxy",
// "Europe", "Asia/Pacific" or "unknown". XK (Kosovo) is user-assigned but in common use.
QString countryCode(const QString &raw)
{
    const QString code = raw.trimmed().toUpper();
    if (code.size() != 2 || code.at(0) < u'A' || code.at(0) > u'Z' || code.at(1) < u'A' ||
        code.at(1) > u'Z')
        return {};
    if (code == u"EU" || code == u"AP" || code == u"ZZ" || (code.at(0) == u'X' && code != u"XK"))
        return {};
    return code;
}

QString timeZoneName(const QString &raw)
{
    static const QRegularExpression iana(u"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$"_s);
    return iana.match(raw).hasMatch() ? clipped(raw) : QString();
}

QString cityName(const QString &raw)
{
    QString city;
    city.reserve(raw.size());
    for (const QChar c : raw)
        city.append(c.category() == QChar::Other_Control ? u' ' : c);
    return clipped(city.simplified());
}

// libloc writes its errors to stderr by default; route them into our log instead.
void libLocLog(loc_ctx *, int priority, const char *, int, const char *fn, const char *format,
               va_list args)
{
    char buffer[512];
    std::vsnprintf(buffer, sizeof buffer, format, args);
    Log::write(priority <= 4 ? Log::Level::Warning : Log::Level::Debug, u"geoip.libloc"_s,
               {{u"message"_s, QString::fromUtf8(buffer).trimmed()},
                {u"function"_s, QString::fromUtf8(fn ? fn : "")}});
}

QString dateText(qint64 epochSeconds)
{
    return QDateTime::fromSecsSinceEpoch(epochSeconds, Qt::UTC).toString(u"yyyy-MM-dd"_s);
}

} // namespace

struct GeoLocator::Impl
{
    // libloc: country from the packaged IPFire database.
    loc_ctx *ctx = nullptr;
    loc_database *db = nullptr;
    QString libLocPath;
    QString libLocInfo;             // vendor and date, or why it is not loaded
    mutable std::mutex libLocMutex; // see the class comment: libloc's refcounts are not atomic

    // libmaxminddb: the administrator's City database.
    MMDB_s mmdb{};
    bool mmdbOpen = false;
    QString mmdbPath;
    QString mmdbInfo;

    Impl() = default;
    Impl(const Impl &) = delete;
    Impl &operator=(const Impl &) = delete;
    ~Impl()
    {
        if (mmdbOpen)
            MMDB_close(&mmdb);
        if (db)
            loc_database_unref(db);
        if (ctx)
            loc_unref(ctx);
    }

    void openLibLoc(const QString &requested);
    Status openCity(const QString &path);
    QString libLocCountry(const QHostAddress &address) const;
    GeoLocation city(const QHostAddress &address) const;
};

void GeoLocator::Impl::openLibLoc(const QString &requested)
{
    if (requested.isEmpty()) {
        libLocInfo = u"off"_s;
        return;
    }
    QString path = requested;
    // The default is a link libloc1's postinst makes; the packaged file itself is as good.
    if (path == defaultLibLocPath() && !QFileInfo::exists(path) &&
        QFileInfo::exists(packagedLibLocPath()))
        path = packagedLibLocPath();
    libLocPath = path;

    const auto unavailable = [&](const QString &reason) {
        libLocInfo = u"not loaded: "_s + reason;
        Log::warning(u"geoip.libloc_unavailable"_s,
                     {{u"path"_s, path},
                      {u"reason"_s, reason},
                      {u"effect"_s, u"sessions get no country unless a City database has one "
                                    u"(install libloc-database)"_s}});
    };

    FILE *file = std::fopen(QFile::encodeName(path).constData(), "re");
    if (!file) {
        unavailable(QString::fromLocal8Bit(std::strerror(errno)));
        return;
    }
    if (loc_new(&ctx) != 0) {
        std::fclose(file);
        ctx = nullptr;
        unavailable(u"libloc could not create a context"_s);
        return;
    }
    loc_set_log_fn(ctx, libLocLog);
    // libloc duplicates the descriptor and keeps its own FILE, so ours can close at once.
    const int r = loc_database_new(ctx, &db, file);
    std::fclose(file);
    if (r != 0) {
        db = nullptr;
        loc_unref(ctx);
        ctx = nullptr;
        unavailable(u"not a libloc database (error "_s + QString::number(r) + u')');
        return;
    }
    const char *vendor = loc_database_get_vendor(db);
    libLocInfo = QString::fromUtf8(vendor ? vendor : "unknown vendor") + u", created "_s +
                 dateText(loc_database_created_at(db));
}

Status GeoLocator::Impl::openCity(const QString &path)
{
    const QString named = u"geoip-city-database \""_s + path + u'"';
    const QFileInfo info(path);
    if (!info.exists())
        return makeError(kInvalid, named + u" does not exist"_s);
    if (!info.isFile() || !info.isReadable())
        return makeError(kInvalid, named + u" is not a readable file"_s);

    errno = 0;
    const int status = MMDB_open(QFile::encodeName(path).constData(), MMDB_MODE_MMAP, &mmdb);
    if (status != MMDB_SUCCESS) {
        QString reason = QString::fromUtf8(MMDB_strerror(status));
        if (status == MMDB_IO_ERROR && errno != 0)
            reason += u": "_s + QString::fromLocal8Bit(std::strerror(errno));
        return makeError(kInvalid, named + u" is not a MaxMind DB file: "_s + reason);
    }
    mmdbOpen = true;
    mmdbPath = path;

    const char *type = mmdb.metadata.database_type;
    const QString typeName = QString::fromUtf8(type ? type : "");
    mmdbInfo = (typeName.isEmpty() ? u"unknown type"_s : typeName) + u", built "_s +
               dateText(qint64(mmdb.metadata.build_epoch)) + u", IPv"_s +
               QString::number(mmdb.metadata.ip_version);
    // A Country or ASN database opens fine but cannot give cities; say so instead of failing.
    if (!typeName.contains(u"City", Qt::CaseInsensitive)) {
        Log::warning(u"geoip.not_a_city_database"_s,
                     {{u"path"_s, path},
                      {u"type"_s, typeName},
                      {u"effect"_s, u"city and time zone stay empty unless the file has them"_s}});
    }
    return {};
}

QString GeoLocator::Impl::libLocCountry(const QHostAddress &address) const
{
    // libloc keys IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), like its own address parser.
    in6_addr key{};
    if (address.protocol() == QAbstractSocket::IPv4Protocol) {
        key.s6_addr[10] = 0xff;
        key.s6_addr[11] = 0xff;
        const quint32 v4 = address.toIPv4Address();
        key.s6_addr[12] = uint8_t(v4 >> 24);
        key.s6_addr[13] = uint8_t(v4 >> 16);
        key.s6_addr[14] = uint8_t(v4 >> 8);
        key.s6_addr[15] = uint8_t(v4);
    } else {
        const Q_IPV6ADDR bytes = address.toIPv6Address();
        std::memcpy(key.s6_addr, bytes.c, sizeof key.s6_addr);
    }

    const std::lock_guard lock(libLocMutex);
    loc_network *network = nullptr;
    const int r = loc_database_lookup(db, &key, &network);
    if (r != 0 || !network) {
        if (network)
            loc_network_unref(network);
        return {};
    }
    const char *code = loc_network_get_country_code(network);
    const QString country = countryCode(QString::fromLatin1(code ? code : ""));
    loc_network_unref(network);
    return country;
}

namespace {

QString mmdbString(MMDB_entry_s entry, std::initializer_list<const char *> keys)
{
    const char *path[8] = {};
    qsizetype i = 0;
    for (const char *key : keys)
        path[i++] = key;
    MMDB_entry_data_s data{};
    if (MMDB_aget_value(&entry, &data, path) != MMDB_SUCCESS || !data.has_data ||
        data.type != MMDB_DATA_TYPE_UTF8_STRING)
        return {};
    return QString::fromUtf8(data.utf8_string, qsizetype(data.data_size));
}

} // namespace

GeoLocation GeoLocator::Impl::city(const QHostAddress &address) const
{
    sockaddr_in v4{};
    sockaddr_in6 v6{};
    const sockaddr *socketAddress = nullptr;
    if (address.protocol() == QAbstractSocket::IPv4Protocol) {
        v4.sin_family = AF_INET;
        v4.sin_addr.s_addr = htonl(address.toIPv4Address());
        socketAddress = reinterpret_cast<const sockaddr *>(&v4);
    } else {
        // An IPv4-only database cannot hold IPv6 networks; libmaxminddb would return an error.
        if (mmdb.metadata.ip_version == 4)
            return {};
        v6.sin6_family = AF_INET6;
        const Q_IPV6ADDR bytes = address.toIPv6Address();
        std::memcpy(v6.sin6_addr.s6_addr, bytes.c, sizeof v6.sin6_addr.s6_addr);
        socketAddress = reinterpret_cast<const sockaddr *>(&v6);
    }

    int error = MMDB_SUCCESS;
    MMDB_lookup_result_s result = MMDB_lookup_sockaddr(&mmdb, socketAddress, &error);
    if (error != MMDB_SUCCESS || !result.found_entry)
        return {};
    return GeoLocation{
        .country = countryCode(mmdbString(result.entry, {"country", "iso_code"})),
        .city = cityName(mmdbString(result.entry, {"city", "names", "en"})),
        .timezone = timeZoneName(mmdbString(result.entry, {"location", "time_zone"})),
    };
}

QString GeoLocator::defaultLibLocPath()
{
    return u"/var/lib/location/database.db"_s;
}

QString GeoLocator::packagedLibLocPath()
{
    return u"/usr/share/libloc-location/location.db"_s;
}

GeoLocator::GeoLocator(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

GeoLocator::~GeoLocator() = default;

Result<std::shared_ptr<const GeoLocator>> GeoLocator::open(const Options &options)
{
    auto impl = std::make_unique<Impl>();
    if (!options.cityMmdb.isEmpty()) {
        const Status city = impl->openCity(options.cityMmdb);
        if (!city)
            return city.error();
    }
    impl->openLibLoc(options.libLocDatabase);
    return std::shared_ptr<const GeoLocator>(new GeoLocator(std::move(impl)));
}

bool GeoLocator::hasLibLoc() const
{
    return m_impl->db != nullptr;
}

bool GeoLocator::hasCityDatabase() const
{
    return m_impl->mmdbOpen;
}

bool GeoLocator::isLocatable(const QHostAddress &address)
{
    const QHostAddress plain = normalised(address);
    const auto protocol = plain.protocol();
    if (protocol != QAbstractSocket::IPv4Protocol && protocol != QAbstractSocket::IPv6Protocol)
        return false;
    for (const auto &network : unlocatableNetworks()) {
        if (plain.isInSubnet(network))
            return false;
    }
    return true;
}

GeoLocation GeoLocator::locate(const QHostAddress &address) const
{
    const QHostAddress plain = normalised(address);
    if (!isLocatable(plain))
        return {};
    GeoLocation location;
    if (m_impl->mmdbOpen)
        location = m_impl->city(plain);
    if (location.country.isEmpty() && m_impl->db)
        location.country = m_impl->libLocCountry(plain);
    return location;
}

QString GeoLocator::describe() const
{
    QString text = u"libloc: "_s;
    if (m_impl->db)
        text += m_impl->libLocPath + u" ("_s + m_impl->libLocInfo + u')';
    else if (m_impl->libLocPath.isEmpty())
        text += m_impl->libLocInfo;
    else
        text += m_impl->libLocPath + u' ' + m_impl->libLocInfo;
    text += u"; city: "_s;
    if (m_impl->mmdbOpen)
        text += m_impl->mmdbPath + u" ("_s + m_impl->mmdbInfo + u')';
    else
        text += u"none"_s;
    return text;
}
