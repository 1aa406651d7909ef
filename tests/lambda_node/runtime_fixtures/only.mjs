// An .mjs file, loaded through import().
export const handler = async (event) => ({ loadedAs: "mjs", echo: event });
