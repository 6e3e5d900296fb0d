# One image for the sample apps; docker-compose.yml picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/cqrs-broker/package.json libs/cqrs-broker/package.json
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
ENV NODE_ENV=production
CMD ["node", "dist/apps/meeting-rooms/src/main.js"]
