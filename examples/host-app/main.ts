import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

/** The host's entry point. `bodyParser: false` lets the receiver read webhook bodies itself, after authentication. */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule, { bodyParser: false });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3000));
}

void bootstrap();
