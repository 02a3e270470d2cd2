/** One client configuration, ready to make GetUser calls. */
export interface Caller {
  /** One unary call; resolves true when it succeeded with the expected user. */
  call(): Promise<boolean>;
  close(): void;
}

export type CreateCaller = (port: number) => Promise<Caller>;
