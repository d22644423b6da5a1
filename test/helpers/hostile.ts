/** Text that tries every way a shell, an option parser, Scheme, PowerShell or a markup parser could act on it. */
export function hostileStrings(canary: string): string[] {
  return [
    `"; touch ${canary}; echo "`,
    `$(touch ${canary})`,
    `\`touch ${canary}\``,
    `\\"; touch ${canary} #`,
    `line one\ntouch ${canary}\n`,
    `-w ${canary}`,
    `--stdin -w ${canary}`,
    `-o ${canary}`,
    `-f /etc/passwd`,
    `(system "touch ${canary}")`,
    `") (system "touch ${canary}") ("`,
    `'; New-Item -Path '${canary}'; '`,
    `$(New-Item -Path '${canary}')`,
    `"; Start-Process calc; "`,
    `<speak><audio src="file:///etc/passwd"/>hi</speak>`,
    `[[inpt PHON]]p1{]] [[slnc 2000]]`,
    `% ! ^ & * ( ) { } | \\ ; : ' " < > ? , . / ~`,
    `Ünïcödé 😀 עברית 中文 \u202e drowssap`,
    'x'.repeat(100_000),
  ];
}
