import { Fragment } from "react";

/**
 * Render a long name such as a model version ("mobilenetv2-20261204-run2") with a line break opportunity after each
 * hyphen, so a narrow screen wraps it between its parts rather than inside a word.
 */
export function HyphenBreaks({ text }: { text: string }) {
  const parts = text.split("-");
  return (
    <span className="[overflow-wrap:anywhere]">
      {parts.map((part, index) => (
        <Fragment key={index}>
          {part}
          {index < parts.length - 1 && (
            <>
              -<wbr />
            </>
          )}
        </Fragment>
      ))}
    </span>
  );
}
