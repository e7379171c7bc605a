// The few globals that both Node ≥ 20 and every browser provide; shared/ may use these and nothing else.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare function btoa(data: string): string;
declare function atob(data: string): string;
declare function structuredClone<T>(value: T): T;
