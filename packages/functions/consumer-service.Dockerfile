# The ConsumerService's container (infra/consumer.ts builds it with the repository as its context): @livetranslate/functions
# and the workspace packages it depends on, installed from the lockfile, run from source with tsx as local mode runs it.
FROM node:20-slim
WORKDIR /app
RUN npm install -g pnpm@12.21.0
COPY . .
RUN pnpm install --frozen-lockfile --filter "@livetranslate/functions..."
ENV NODE_ENV=production NODE_NO_WARNINGS=1
# From the package's folder, where its own dependencies (tsx among them) resolve.
WORKDIR /app/packages/functions
# Node itself is the command, not a package manager in front of it: ECS's SIGTERM (forwarded by the task's init
# process) reaches the service, which drains and writes its progress.
CMD ["node", "--import", "tsx", "src/handlers/consumer-service.ts"]
