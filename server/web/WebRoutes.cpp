#include "WebRoutes.h"

#include "server/crypto/Crypto.h"
#include "server/http/Router.h"

#include <QDirIterator>
#include <QFile>
#include <QHash>
#include <QFileInfo>

#include <memory>

namespace {
struct Asset
{
    QByteArray body;
    QByteArray contentType;
    QByteArray etag;
};

QByteArray contentTypeFor(const QString &name)
{
    static const QHash<QString, QByteArray> types{
        {QStringLiteral("html"), QByteArrayLiteral("text/html; charset=utf-8")},
        {QStringLiteral("css"), QByteArrayLiteral("text/css; charset=utf-8")},
        {QStringLiteral("js"), QByteArrayLiteral("text/javascript; charset=utf-8")},
        {QStringLiteral("svg"), QByteArrayLiteral("image/svg+xml")},
        {QStringLiteral("png"), QByteArrayLiteral("image/png")},
        {QStringLiteral("ico"), QByteArrayLiteral("image/x-icon")},
        {QStringLiteral("json"), QByteArrayLiteral("application/json")},
    };
    return types.value(name.section(QLatin1Char('.'), -1), QByteArrayLiteral("application/octet-stream"));
}

// Read once per worker at start-up: a handful of small files, served from memory.
std::shared_ptr<const QHash<QString, Asset>> loadAssets()
{
    auto assets = std::make_shared<QHash<QString, Asset>>();
    QDirIterator it(QStringLiteral(":/web"), QDir::Files);
    while (it.hasNext()) {
        QFile file(it.next());
        if (!file.open(QIODevice::ReadOnly))
            continue;
        Asset asset;
        asset.body = file.readAll();
        asset.contentType = contentTypeFor(file.fileName());
        asset.etag = '"' + Crypto::sha256Hex(asset.body).left(32).toLatin1() + '"';
        assets->insert(QFileInfo(file.fileName()).fileName(), std::move(asset));
    }
    return assets;
}

void serve(const ExchangePtr &exchange, const QHash<QString, Asset> &assets, const QString &name)
{
    const auto it = assets.constFind(name);
    if (it == assets.constEnd()) {
        exchange->respondError(404, QStringLiteral("NOT_FOUND"), QStringLiteral("no such page"));
        return;
    }
    const HeaderPairs headers{{QByteArrayLiteral("ETag"), it->etag},
                              {QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-cache")}};
    if (exchange->header("If-None-Match") == it->etag) {
        exchange->respondEmpty(304, headers);
        return;
    }
    exchange->respond(200, it->body, it->contentType, headers);
}
} // namespace

namespace WebRoutes {

void install(Router &router, WorkerContext &)
{
    const auto assets = loadAssets();
    router.get(QStringLiteral("/"), [](const ExchangePtr &exchange) {
        exchange->respondEmpty(302, {{QByteArrayLiteral("Location"), QByteArrayLiteral("/ui/")}});
    });
    // The router ignores a trailing slash, so "/ui" and "/ui/" both land here: pages link
    // their scripts relatively, which only works below "/ui/".
    router.get(QStringLiteral("/ui"), [assets](const ExchangePtr &exchange) {
        if (!exchange->path().endsWith(QLatin1Char('/')))
            exchange->respondEmpty(302, {{QByteArrayLiteral("Location"), QByteArrayLiteral("/ui/")}});
        else
            serve(exchange, *assets, QStringLiteral("index.html"));
    });
    router.get(QStringLiteral("/ui/{file}"), [assets](const ExchangePtr &exchange) {
        serve(exchange, *assets, exchange->pathParameter(QStringLiteral("file")));
    });
}

} // namespace WebRoutes
