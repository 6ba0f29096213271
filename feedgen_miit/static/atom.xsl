<?xml version="1.0" encoding="UTF-8"?>
<!--
  feedgen-miit: shows an Atom feed as a readable page when it is opened in a browser.
  Readers ignore the <?xml-stylesheet?> line that points here and see plain Atom.
  XSLT 1.0 only, no script, no disable-output-escaping (Firefox ignores it): entries show
  their title, date and categories, and link to the article, never the HTML body.
  Labels follow the feed's xml:lang (Chinese for zh-*, English otherwise), as on the pages;
  dates are shown as the feed writes them: in the site's display time zone, which is shown.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:media="http://search.yahoo.com/mrss/"
    exclude-result-prefixes="atom media">
  <xsl:output method="html" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <xsl:variable name="zh"
      select="starts-with(translate(/atom:feed/@xml:lang, 'ZH', 'zh'), 'zh')"/>

  <xsl:template match="/atom:feed">
    <html lang="{@xml:lang}">
      <head>
        <meta charset="UTF-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="referrer" content="no-referrer"/>
        <title><xsl:value-of select="atom:title"/></title>
        <style>
          body { font: 16px/1.6 system-ui, sans-serif; max-width: 46rem; margin: 0 auto;
                 padding: 1rem; color: #222; background: #fff; }
          /* Chromium lays a banner about XSLT over the top of such pages (about 8rem high
             on a desktop window): keep the title clear of it. */
          header { padding-top: 8.5rem; }
          .note { background: #f3f6fa; border: 1px solid #d5dde8; border-radius: 6px;
                  padding: .75rem 1rem; }
          .note code { word-break: break-all; }
          article { display: flow-root; border-top: 1px solid #ddd; padding: 1rem 0; }
          article h2 { font-size: 1.2rem; margin: 0 0 .25rem; }
          article img { float: right; max-width: 30%; max-height: 8rem; margin: 0 0 .5rem 1rem; }
          .meta { color: #666; font-size: .9rem; }
          .tag { display: inline-block; background: #eef; border-radius: 3px;
                 padding: 0 .4rem; margin-right: .3rem; }
        </style>
      </head>
      <body>
        <header>
          <h1><xsl:value-of select="atom:title"/></h1>
          <xsl:if test="atom:subtitle">
            <p><xsl:value-of select="atom:subtitle"/></p>
          </xsl:if>
          <p class="note">
            <xsl:choose>
              <xsl:when test="$zh">这是一个订阅源。把这个地址复制到阅读器中即可订阅：</xsl:when>
              <xsl:otherwise>This is a web feed. To follow it, copy this address into your feed reader: </xsl:otherwise>
            </xsl:choose>
            <code><xsl:value-of select="atom:link[@rel='self']/@href"/></code>
            <xsl:if test="atom:link[@rel='alternate']">
              <xsl:text> (</xsl:text>
              <a href="{atom:link[@rel='alternate'][1]/@href}">
                <xsl:choose>
                  <xsl:when test="$zh">全部订阅源</xsl:when>
                  <xsl:otherwise>all feeds</xsl:otherwise>
                </xsl:choose>
              </a>
              <xsl:text>)</xsl:text>
            </xsl:if>
          </p>
        </header>
        <main>
          <xsl:apply-templates select="atom:entry"/>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="atom:entry">
    <xsl:variable name="link" select="atom:link[@rel='alternate' or not(@rel)][1]/@href"/>
    <article>
      <xsl:if test="media:thumbnail/@url">
        <img src="{media:thumbnail/@url}" alt="" loading="lazy" referrerpolicy="no-referrer"/>
      </xsl:if>
      <h2>
        <xsl:choose>
          <xsl:when test="$link">
            <a href="{$link}"><xsl:value-of select="atom:title"/></a>
          </xsl:when>
          <xsl:otherwise><xsl:value-of select="atom:title"/></xsl:otherwise>
        </xsl:choose>
      </h2>
      <p class="meta">
        <time datetime="{atom:published}">
          <xsl:call-template name="moment">
            <xsl:with-param name="stamp" select="atom:published"/>
          </xsl:call-template>
        </time>
        <xsl:for-each select="atom:author/atom:name">
          <xsl:text> · </xsl:text><xsl:value-of select="."/>
        </xsl:for-each>
      </p>
      <xsl:if test="atom:category">
        <p class="meta">
          <xsl:for-each select="atom:category">
            <span class="tag"><xsl:value-of select="@term"/></span>
          </xsl:for-each>
        </p>
      </xsl:if>
      <xsl:if test="atom:summary">
        <p><xsl:value-of select="atom:summary"/></p>
      </xsl:if>
    </article>
  </xsl:template>

  <!-- 2022-06-21T11:44:48+08:00 -> 2022-06-21 11:44 UTC+08:00, as the pages write it. -->
  <xsl:template name="moment">
    <xsl:param name="stamp"/>
    <xsl:value-of select="substring($stamp, 1, 10)"/>
    <xsl:text> </xsl:text>
    <xsl:value-of select="substring($stamp, 12, 5)"/>
    <xsl:text> UTC</xsl:text>
    <xsl:choose>
      <xsl:when test="substring($stamp, string-length($stamp)) = 'Z'">+00:00</xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="substring($stamp, string-length($stamp) - 5)"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
