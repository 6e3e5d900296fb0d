# One image for the sample apps; docker-compose.yml picks the command.
# Node 22 is inside the library's engines (^20.19.0 || >=22.12.0) and is also what the whole
# toolchain asks for: on Node 20, npm ci warns (EBADENGINE) that @nestjs/common 12's file-type
# wants Node >= 22. test/package/compose.spec.ts checks this line against engines.
FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/cqrs-broker/package.json libs/cqrs-broker/package.json
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
ENV NODE_ENV=production
CMD ["node", "dist/apps/meeting-rooms/src/main.js"]
