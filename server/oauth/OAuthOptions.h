#pragma once

#include "server/config/Config.h"
#include "server/config/ConfigSchema.h"

#include <QList>
#include <QStringView>

#include <optional>

// The social sign-in options: five providers with the same handful of settings each, so their
// schema rows and bindings are made from one table here instead of 25 hand-written copies in
// ConfigSchema.cpp and ConfigLoader.cpp (which append and consult these).
namespace OAuthOptions {

// google, apple, github, microsoft, oidc: the {provider} of the routes and auth_providers.type.
const QStringList &providerNames();
bool isProvider(QStringView name);
// The provider's block in the config, null for an unknown name.
const Config::OAuthProvider *provider(const Config &config, QStringView name);
Config::OAuthProvider *provider(Config &config, QStringView name);

// Rows for ConfigSchema::options(), in help order.
QList<ConfigSchema::Option> schemaRows();
// Whether `key` is one of those rows; apply copies a parsed value into Config; show reads it
// back for describe().
bool owns(QStringView key);
void apply(Config &config, QStringView key, const ConfigSchema::Value &value);
QString show(const Config &config, QStringView key);

// The secret-store name of a provider's client secret: "oauth-<provider>-client-secret".
QString clientSecretName(QStringView provider);
bool isClientSecretName(QStringView name);

} // namespace OAuthOptions
