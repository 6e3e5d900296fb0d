/** Thrown by `RequestMediator.send` for a request type that has no handler. @publicApi */
export class RequestHandlerNotFoundException extends Error {
  constructor(requestName: string) {
    super(
      `No handler is bound to request "${requestName}". Decorate its handler with ` +
        `@HandlesRequest(${requestName}) and list it in a module's providers, or bind it in a RequestMap.`,
    );
    this.name = 'RequestHandlerNotFoundException';
  }
}
