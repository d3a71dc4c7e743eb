#pragma once

#include "AppServices.h"
#include "models/common/Result.h"

class SecretStore;

// Builds the shared services at start-up (after the secret store is open and the database is
// migrated): the user-agent parser, IP location, the JWT key ring, and this instance's public
// keys published to PostgreSQL so every instance's JWKS lists them. Blocks briefly.
namespace AppServicesBuilder {
Result<std::shared_ptr<AppServices>> build(const Config &config, SecretStore &secrets,
                                           const QString &databaseUrl);
// Run every minute by the runtime: reloads the key ring (so a `--rotate-jwt-key` made by
// another process is picked up), rotates when the current key is older than jwt-key-max-age,
// prunes keys whose tokens have all expired, and (re)publishes the public keys.
Status refreshKeys(const AppServices &services, const QString &databaseUrl);
}
