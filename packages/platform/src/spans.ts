// Work inside an active span: a failure is recorded on the span (and rethrown), and the span always ends.
import { SpanStatusCode, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';

export function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  run: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      return await run(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}
