#include "OAuthOptions.h"

using namespace Qt::StringLiterals;
using ConfigSchema::Option;
using ConfigSchema::Type;

namespace OAuthOptions {

namespace {

const QString kClientIdPattern = u"[A-Za-z0-9._:@\\-]{1,255}"_s;
const QString kScopesPattern = u"[A-Za-z0-9._:/\\-]+( [A-Za-z0-9._:/\\-]+)*"_s;

// The per-provider settings, by key suffix.
enum class Field { ClientId, Scopes, Link, Issuer, ApiUrl };

struct Key
{
    QString provider;
    Field field;
};

QString suffix(Field field, QStringView provider)
{
    switch (field) {
    case Field::ClientId:
        return u"client-id"_s;
    case Field::Scopes:
        return u"scopes"_s;
    case Field::Link:
        return u"link"_s;
    case Field::Issuer:
        return provider == u"github" ? u"url"_s : u"issuer"_s;
    case Field::ApiUrl:
        return u"api-url"_s;
    }
    return {};
}

QList<Field> fieldsOf(QStringView provider)
{
    if (provider == u"github")
        return {Field::ClientId, Field::Scopes, Field::Link, Field::Issuer, Field::ApiUrl};
    return {Field::ClientId, Field::Scopes, Field::Link, Field::Issuer};
}

QString keyOf(QStringView provider, Field field)
{
    return u"oauth-"_s + provider.toString() + u'-' + suffix(field, provider);
}

std::optional<Key> parseKey(QStringView key)
{
    for (const QString &provider : providerNames()) {
        for (Field field : fieldsOf(provider)) {
            if (key == keyOf(provider, field))
                return Key{provider, field};
        }
    }
    return std::nullopt;
}

QString *textOf(Config::OAuthProvider &block, Field field)
{
    switch (field) {
    case Field::ClientId:
        return &block.clientId;
    case Field::Scopes:
        return &block.scopes;
    case Field::Link:
        return &block.link;
    case Field::Issuer:
        return &block.issuer;
    case Field::ApiUrl:
        return &block.apiUrl;
    }
    return nullptr;
}

QString *appleText(Config &config, QStringView key)
{
    if (key == u"oauth-apple-team-id")
        return &config.oauthAppleTeamId;
    if (key == u"oauth-apple-key-id")
        return &config.oauthAppleKeyId;
    if (key == u"oauth-apple-private-key-file")
        return &config.oauthApplePrivateKeyFile;
    return nullptr;
}

QString title(QStringView provider)
{
    if (provider == u"oidc")
        return u"the generic OpenID Connect provider"_s;
    if (provider == u"github")
        return u"GitHub"_s;
    QString name = provider.toString();
    name[0] = name[0].toUpper();
    return name;
}

} // namespace

const QStringList &providerNames()
{
    static const QStringList names{u"google"_s, u"apple"_s, u"github"_s, u"microsoft"_s, u"oidc"_s};
    return names;
}

bool isProvider(QStringView name)
{
    return providerNames().contains(name);
}

Config::OAuthProvider *provider(Config &config, QStringView name)
{
    if (name == u"google")
        return &config.oauthGoogle;
    if (name == u"apple")
        return &config.oauthApple;
    if (name == u"github")
        return &config.oauthGithub;
    if (name == u"microsoft")
        return &config.oauthMicrosoft;
    if (name == u"oidc")
        return &config.oauthOidc;
    return nullptr;
}

const Config::OAuthProvider *provider(const Config &config, QStringView name)
{
    return provider(const_cast<Config &>(config), name);
}

QList<Option> schemaRows()
{
    const Config defaults;
    QList<Option> rows;
    for (const QString &name : providerNames()) {
        const Config::OAuthProvider &block = *provider(defaults, name);
        const QString who = title(name);
        rows.append({.key = keyOf(name, Field::ClientId),
                     .type = Type::String,
                     .valueName = u"ID"_s,
                     .defaultText = u"empty: off"_s,
                     .help = u"OAuth client id at "_s + who + u"; setting it turns the provider on "
                             u"(client secret: secret oauth-"_s + name + u"-client-secret)"_s,
                     .allowEmpty = true,
                     .pattern = kClientIdPattern,
                     .patternHelp = u"1 to 255 letters, digits and . _ : @ -"_s});
        rows.append({.key = keyOf(name, Field::Scopes),
                     .type = Type::String,
                     .valueName = u"SCOPES"_s,
                     .defaultText = block.scopes,
                     .help = u"Space-separated scopes asked of "_s + who,
                     .pattern = kScopesPattern,
                     .patternHelp = u"scope names separated by single spaces"_s});
        rows.append({.key = keyOf(name, Field::Link),
                     .type = Type::Enum,
                     .valueName = u"never|verified-only"_s,
                     .defaultText = block.link,
                     .help = u"Whether a first sign-in with "_s + who +
                             u" joins an existing account of the same email (only when both "
                             u"emails are verified)"_s,
                     .allowed = {u"never"_s, u"verified-only"_s}});
        const bool github = name == u"github";
        rows.append({.key = keyOf(name, Field::Issuer),
                     .type = Type::Url,
                     .valueName = u"URL"_s,
                     .defaultText = block.issuer.isEmpty() ? u"none (required with the client id)"_s
                                                           : block.issuer,
                     .help = github ? u"GitHub's web address (authorize and token endpoints); "
                                      u"http only for loopback test stand-ins"_s
                                    : u"Issuer of "_s + who +
                                          u"; endpoints come from {issuer}/.well-known/openid-"
                                          u"configuration (http only for loopback tests)"_s,
                     .allowEmpty = block.issuer.isEmpty(),
                     .allowed = {u"https"_s, u"http"_s}});
        if (github)
            rows.append({.key = keyOf(name, Field::ApiUrl),
                         .type = Type::Url,
                         .valueName = u"URL"_s,
                         .defaultText = block.apiUrl,
                         .help = u"GitHub's REST API (user and emails)"_s,
                         .allowed = {u"https"_s, u"http"_s}});
        if (name == u"apple") {
            rows.append({.key = u"oauth-apple-team-id"_s,
                         .type = Type::String,
                         .valueName = u"ID"_s,
                         .defaultText = u"empty"_s,
                         .help = u"Apple developer team id: issuer of the generated client secret"_s,
                         .allowEmpty = true,
                         .pattern = u"[A-Z0-9]{10}"_s,
                         .patternHelp = u"10 upper-case letters and digits"_s});
            rows.append({.key = u"oauth-apple-key-id"_s,
                         .type = Type::String,
                         .valueName = u"ID"_s,
                         .defaultText = u"empty"_s,
                         .help = u"Key id of the Sign in with Apple key (.p8)"_s,
                         .allowEmpty = true,
                         .pattern = u"[A-Z0-9]{10}"_s,
                         .patternHelp = u"10 upper-case letters and digits"_s});
            rows.append({.key = u"oauth-apple-private-key-file"_s,
                         .type = Type::File,
                         .valueName = u"FILE"_s,
                         .defaultText = u"none"_s,
                         .help = u"The .p8 private key Apple issued; Gatehouse signs the ES256 "
                                 u"client secret with it and renews it before it expires"_s,
                         .allowEmpty = true});
        }
    }
    rows.append({.key = u"oauth-timeout"_s,
                 .type = Type::Int,
                 .valueName = u"SECONDS"_s,
                 .defaultText = QString::number(defaults.oauthTimeoutSeconds),
                 .help = u"Longest wait for one call to a sign-in provider (discovery, keys, "
                         u"token, user info)"_s,
                 .minimum = 1,
                 .maximum = 120});
    return rows;
}

bool owns(QStringView key)
{
    Config scratch;
    return parseKey(key).has_value() || appleText(scratch, key) || key == u"oauth-timeout";
}

void apply(Config &config, QStringView key, const ConfigSchema::Value &value)
{
    if (key == u"oauth-timeout") {
        config.oauthTimeoutSeconds = value.number;
    } else if (QString *apple = appleText(config, key)) {
        *apple = value.text;
    } else if (const auto parsed = parseKey(key)) {
        QString *text = textOf(*provider(config, parsed->provider), parsed->field);
        *text = value.text;
        // The issuer is compared with the ID token's "iss" and prefixes discovery: no slash.
        if ((parsed->field == Field::Issuer || parsed->field == Field::ApiUrl) && text->endsWith(u'/'))
            text->chop(1);
    }
}

QString show(const Config &config, QStringView key)
{
    if (key == u"oauth-timeout")
        return QString::number(config.oauthTimeoutSeconds);
    if (const QString *apple = appleText(const_cast<Config &>(config), key))
        return *apple;
    if (const auto parsed = parseKey(key))
        return *textOf(*const_cast<Config::OAuthProvider *>(provider(config, parsed->provider)), parsed->field);
    return {};
}

QString clientSecretName(QStringView provider)
{
    return u"oauth-"_s + provider.toString() + u"-client-secret"_s;
}

bool isClientSecretName(QStringView name)
{
    for (const QString &provider : providerNames()) {
        if (name == clientSecretName(provider))
            return true;
    }
    return false;
}

} // namespace OAuthOptions
