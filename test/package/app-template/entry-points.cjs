// Loads every entry point of the package with require() (Node's require(esm)) and prints how
// many names each exports. The package test runs it on the lowest Node of each engines range.
const entryPoints = ['nestjs-cqrs-broker', 'nestjs-cqrs-broker/outbox', 'nestjs-cqrs-broker/inbox', 'nestjs-cqrs-broker/kafka', 'nestjs-cqrs-broker/amqp'];
const exported = {};
for (const entryPoint of entryPoints) exported[entryPoint] = Object.keys(require(entryPoint)).length;
console.log(`RESULT ${JSON.stringify({ node: process.version, exported })}`);
