// Loads every entry point of the package with import() and prints how many names each exports.
const entryPoints = ['nestjs-cqrs-broker', 'nestjs-cqrs-broker/outbox', 'nestjs-cqrs-broker/inbox', 'nestjs-cqrs-broker/kafka', 'nestjs-cqrs-broker/amqp'];
const exported = {};
for (const entryPoint of entryPoints) exported[entryPoint] = Object.keys(await import(entryPoint)).length;
console.log(`RESULT ${JSON.stringify({ node: process.version, exported })}`);
