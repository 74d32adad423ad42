/** What a review command needs from its process: where it runs and where its output goes. */
export interface CommandIo {
  /** Where git and synth run, and relative paths start (the repository, or anywhere inside it). */
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Colour in the terminal format (the CLI passes: stdout is a TTY and NO_COLOR is unset). */
  readonly color: boolean;
}
